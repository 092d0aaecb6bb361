// ESM-only dependencies (p-retry, @kubernetes/client-node 1.4 and theirs) are compiled to CommonJS with the sources.
const esmOnly = [
  'p-retry',
  'is-network-error',
  'retry',
  '@kubernetes/client-node',
  'openid-client',
  'oauth4webapi',
  'jose',
];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testTimeout: 60000,
  setupFilesAfterEnv: ['<rootDir>/test/helpers/matchers.ts'],
  reporters: ['default', '<rootDir>/test/helpers/closing-line-reporter.cjs'],
};
