// Verify a compact JWS / VC-JWT with panva's `jose`.
// stdin:  {"jwt": "<compact JWS>", "jwk"?: {...public JWK},
//          "checkClaims"?: bool (default false)}
//      or {"items": [<that>, ...]}
// stdout: {"verified": bool, "header": {...}|null, "payload": {...}|null,
//          "errors": [str]}   or {"results": [<that>, ...]}
// Without "jwk" the key is taken from the `jwk` member of the protected
// header (jose's EmbeddedJWK). The algorithm is the header's `alg` (RS256,
// ES256, EdDSA, ...). "checkClaims" additionally validates the JWT time
// claims (exp, nbf) against the real clock; by default only the signature
// is checked. Payload bytes that are not JSON come back as a string.
// Any problem with the token or the key is reported as "not verified";
// only a missing/non-string "jwt" is a harness error.
import {
  compactVerify, decodeProtectedHeader, EmbeddedJWK, importJWK, jwtVerify,
  base64url
} from 'jose';
import {main} from './common.mjs';

function decodePayload(jwt) {
  const part = jwt.split('.')[1];
  const text = new TextDecoder().decode(base64url.decode(part));
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function safe(fn) {
  try {
    return fn();
  } catch {
    return null;
  }
}

async function verifyOne({jwt, jwk, checkClaims = false}) {
  if(typeof jwt !== 'string') {
    throw new TypeError('"jwt" must be a string.');
  }
  const jwtText = jwt.trim();
  const header = safe(() => decodeProtectedHeader(jwtText));
  const payload = safe(() => decodePayload(jwtText));
  let key = EmbeddedJWK;
  if(jwk) {
    try {
      key = await importJWK(jwk, header?.alg ?? jwk.alg);
    } catch(e) {
      // An unusable key (wrong type, key_ops/use forbidding verification,
      // ...) is a verification failure, not a harness error.
      return {verified: false, header, payload,
        errors: [`key import: ${e?.code ?? e?.name}: ${e?.message}`]};
    }
  }
  try {
    if(checkClaims) {
      await jwtVerify(jwtText, key);
    } else {
      await compactVerify(jwtText, key);
    }
    return {verified: true, header, payload, errors: []};
  } catch(e) {
    // jose reports verification problems with an ERR_* code, and misuse of
    // a key (e.g. a private key given to verify) with a TypeError: both mean
    // "not verified" for the input given.
    return {verified: false, header, payload,
      errors: [`${e?.code ?? e?.name}: ${e?.message}`]};
  }
}

await main(verifyOne);
