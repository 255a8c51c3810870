export {
  buildContract,
  type ContractOptions,
  contentHash,
  contractText,
  offlineDependency,
  packageVersion,
} from './build.ts';
export { type ContractVerdict, changelogEntry, formatVerdict, judge } from './check.ts';
export { deprecationFeature } from './deprecation.ts';
export { type ContractChange, type ContractDiff, diffContracts } from './diff.ts';
export { aiCatalog, registryServerJson, serverCard } from './discovery.ts';
export { contractFeature } from './feature.ts';
export * from './model.ts';
export { type ChangeLevel, compareSchemas, type Direction, type SchemaChange } from './schema-diff.ts';
export { bumpLevel, nextVersion, parseSemver } from './semver.ts';
export { recomputeHash, type VerifyOptions, type VerifyResult, verifyServer } from './verify.ts';
export {
  checkServer,
  loadServerPackage,
  loadServers,
  type ServerCheck,
  type ServerPackage,
  updateServer,
} from './workspace.ts';
