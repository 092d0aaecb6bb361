export * from './reference.js';
export * from './media-types.js';
export * from './types.js';
export * from './errors.js';
export * from './digest.js';
export { RegistryClient, referrersTag, type Capabilities, type ManifestResult } from './client.js';
export { RegistryTransport, isInsecureHost, type TransportOptions } from './transport.js';
export * from './auth/keychain.js';
export { parseChallenges } from './auth/challenge.js';
export { parseRetryAfter, defaultRetryPolicy, type RetryPolicy } from './retry.js';
export { nextLink } from './link.js';
export {
  pushArtifact,
  addToFallbackIndex,
  readArtifactLayer,
  type ArtifactSpec,
  type ArtifactLayer,
} from './artifact.js';
export { registryFlags, clientFromFlags, insecureRegistries, type RegistryFlagValues } from './flags.js';
