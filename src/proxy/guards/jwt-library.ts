// The parts of jose the proxy uses (HS256 JWTs: sign, verify, its error classes), loaded on first use by
// lead-token.ts and identity.ts. A module of its own so that bundlers keep only these: `import('jose')` keeps all of
// jose (JWE, JWK, key import) in a Worker.
export { errors, jwtVerify, SignJWT } from 'jose';
