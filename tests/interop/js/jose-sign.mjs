// Sign a JSON payload as a compact JWS with panva's `jose`.
// stdin:  {"payload": {...}, "header": {"alg": "RS256"|"ES256"|"EdDSA", ...},
//          "jwk": {...private JWK}}
//      or {"items": [<that>, ...]}
// stdout: {"jwt": "<compact JWS>"}   or {"results": [<that>, ...]}
import {CompactSign, importJWK} from 'jose';
import {main} from './common.mjs';

async function signOne({payload, header, jwk}) {
  if(!header || typeof header.alg !== 'string') {
    throw new TypeError('"header.alg" is required.');
  }
  if(!jwk || !jwk.d) {
    throw new TypeError('"jwk" must be a private JWK.');
  }
  const key = await importJWK(jwk, header.alg);
  const bytes = new TextEncoder().encode(JSON.stringify(payload));
  const jwt = await new CompactSign(bytes).setProtectedHeader(header).sign(key);
  return {jwt};
}

await main(signOne);
