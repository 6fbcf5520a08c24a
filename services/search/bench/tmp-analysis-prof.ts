import { generateCatalog, renderProductImage } from '@nlyzer/demo-catalog';
import { createDescriptorEmbedder, createGeometricVerifier } from '@nlyzer/vision';
import { analyzeProductImages } from '../src/features/indexing/image-analysis.ts';
const products = generateCatalog({ products: 40, seed: 3 });
const imgs: Uint8Array[] = [];
for (const p of products) imgs.push(await renderProductImage(p, 0));
console.log('bytes', imgs[0]!.length);
const embedder = createDescriptorEmbedder();
const verifier = await createGeometricVerifier();
for (let r = 0; r < 2; r++) {
  const t = performance.now();
  for (const b of imgs) await analyzeProductImages([b], embedder, verifier);
  console.log('ms/product', (performance.now() - t) / imgs.length);
}
const small: Uint8Array[] = [];
for (const p of products) small.push(await renderProductImage(p, 0, { size: 320 }));
for (let r = 0; r < 2; r++) {
  const t = performance.now();
  for (const b of small) await analyzeProductImages([b], embedder, verifier);
  console.log('320px ms/product', (performance.now() - t) / small.length);
}
const t2 = performance.now();
for (const p of products) await renderProductImage(p, 0);
console.log('render ms', (performance.now() - t2) / products.length);
