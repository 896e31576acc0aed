// Reference figures for bench/: Digital Bazaar's vc.js signing and verifying the same
// OB 3.0 credential N times, sequentially on one core, with the same offline contexts.
// stdin:  {"credential": {...unsigned}, "key": {"id", "controller", "publicKeyMultibase",
//          "secretKeyMultibase"}, "n": 200, "created": "<ISO>", "verify_n": n (0: sign only)}
// stdout: {"sign_per_s", "verify_per_s", "n"}
import * as vc from '@digitalbazaar/vc';
import {Ed25519Multikey, DataIntegrityProof, eddsaRdfc2022, dbDocumentLoader} from './db-common.mjs';
import {main} from './common.mjs';

async function bench({credential, key, n = 200, created, documents, verify_n = n}) {
  const keyPair = await Ed25519Multikey.from({
    '@context': 'https://w3id.org/security/multikey/v1', type: 'Multikey', ...key
  });
  const documentLoader = dbDocumentLoader(documents);
  const date = new Date(created);
  const sign = () => vc.issue({
    credential: structuredClone(credential),
    suite: new DataIntegrityProof({signer: keyPair.signer(), cryptosuite: eddsaRdfc2022, date}),
    documentLoader
  });
  const verifySuite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  // Warm up both paths (context processing caches), as the Python side does.
  let signed;
  for(let i = 0; i < 10; i++) {
    signed = await sign();
  }
  let t = process.hrtime.bigint();
  for(let i = 0; i < n; i++) {
    signed = await sign();
  }
  const signSeconds = Number(process.hrtime.bigint() - t) / 1e9;
  if(verify_n === 0) {
    return {n, sign_per_s: n / signSeconds, verify_per_s: null, signed};
  }
  for(let i = 0; i < 10; i++) {
    await vc.verifyCredential({credential: signed, suite: verifySuite, documentLoader});
  }
  t = process.hrtime.bigint();
  for(let i = 0; i < verify_n; i++) {
    const result = await vc.verifyCredential({credential: signed, suite: verifySuite, documentLoader});
    if(!result.verified) {
      throw new Error('vc.js did not verify its own credential');
    }
  }
  const verifySeconds = Number(process.hrtime.bigint() - t) / 1e9;
  return {n, sign_per_s: n / signSeconds, verify_per_s: verify_n / verifySeconds, signed};
}

await main(bench);
