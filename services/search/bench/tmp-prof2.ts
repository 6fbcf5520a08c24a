import { generateCatalog, renderProductImage } from '@nlyzer/demo-catalog';
import { catalogViews, createDescriptorEmbedder, createGeometricVerifier, decodeImage, extractStyleDna, encodeLocalFeatures } from '@nlyzer/vision';
const products = generateCatalog({ products: 40, seed: 3 });
const imgs: Uint8Array[] = [];
for (const p of products) imgs.push(await renderProductImage(p, 0));
const embedder = createDescriptorEmbedder();
const verifier = await createGeometricVerifier();
const t = { decode: 0, dna: 0, views: 0, embed: 0, kp: 0 };
for (let r = 0; r < 2; r++) for (const b of imgs) {
  let s = performance.now();
  const d = await decodeImage(b, { maxPixels: 50_000_000, maxSide: 512 }); t.decode += performance.now() - s; s = performance.now();
  extractStyleDna(d); t.dna += performance.now() - s; s = performance.now();
  const vs = catalogViews(d); t.views += performance.now() - s; s = performance.now();
  for (const v of vs) await embedder.embed(v); t.embed += performance.now() - s; s = performance.now();
  encodeLocalFeatures(verifier.catalogFeatures(d)); t.kp += performance.now() - s;
}
for (const k of Object.keys(t)) (t as any)[k] = ((t as any)[k] / 80).toFixed(2);
console.log(t);
