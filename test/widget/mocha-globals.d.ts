// The mocha globals the browser tests use (@web/test-runner runs them with mocha; @types/mocha is not installed).
declare function describe(title: string, body: () => void): void;
declare function it(title: string, body: () => unknown): void;
declare function beforeEach(body: () => unknown): void;
declare function afterEach(body: () => unknown): void;
