// Sign a credential with Digital Bazaar's @digitalbazaar/vc (v7) `issue`.
// stdin:  {"credential": {...unsigned}, "key": {"id", "controller",
//          "publicKeyMultibase", "secretKeyMultibase"}, "created"?: "<ISO>",
//          "suite"?: "eddsa-rdfc-2022" | "Ed25519Signature2020",
//          "documents"?: {...}}
//      or {"items": [<that>, ...]}
// stdout: the signed credential, or {"results": [<signed>, ...]}
import * as vc from '@digitalbazaar/vc';
import {
  Ed25519Multikey, DataIntegrityProof, Ed25519Signature2020, eddsaRdfc2022,
  dbDocumentLoader
} from './db-common.mjs';
import {main} from './common.mjs';

async function signOne({credential, key, created, suite = 'eddsa-rdfc-2022',
  documents}) {
  if(!credential || typeof credential !== 'object') {
    throw new TypeError('"credential" must be an object.');
  }
  if(!key || !key.id || !key.controller || !key.publicKeyMultibase ||
    !key.secretKeyMultibase) {
    throw new TypeError('"key" needs id, controller, publicKeyMultibase and ' +
      'secretKeyMultibase.');
  }
  const keyPair = await Ed25519Multikey.from({
    '@context': 'https://w3id.org/security/multikey/v1',
    type: 'Multikey',
    id: key.id,
    controller: key.controller,
    publicKeyMultibase: key.publicKeyMultibase,
    secretKeyMultibase: key.secretKeyMultibase
  });
  const date = created ? new Date(created) : undefined;
  let signingSuite;
  if(suite === 'eddsa-rdfc-2022') {
    signingSuite = new DataIntegrityProof({
      signer: keyPair.signer(), cryptosuite: eddsaRdfc2022, date
    });
  } else if(suite === 'Ed25519Signature2020') {
    signingSuite = new Ed25519Signature2020({signer: keyPair.signer(), date});
  } else {
    throw new Error(`Unsupported suite "${suite}".`);
  }
  return vc.issue({
    credential: structuredClone(credential),
    suite: signingSuite,
    documentLoader: dbDocumentLoader(documents)
  });
}

await main(signOne);
