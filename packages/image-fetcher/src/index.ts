export type { ResolvedAddress, ResolveHost } from './connect-guard.ts';
export {
  ImageFetchError,
  type ImageFetchErrorOptions,
  type ImageFetchFailure,
  isImageFetchError,
} from './image-fetch-error.ts';
export {
  createImageFetcher,
  type FetchedImage,
  type ImageFetcher,
  type ImageFetcherOptions,
  type ImageValidators,
  type UnchangedImage,
} from './image-fetcher.ts';
export {
  createPublicNetworkAgent,
  type PublicNetworkAgent,
  type PublicNetworkOptions,
} from './public-network-agent.ts';
