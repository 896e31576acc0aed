// Digital Bazaar stack shared by db-verify.mjs and db-sign.mjs.
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {driver as didKeyDriverFactory} from '@digitalbazaar/did-method-key';
import {indexDocuments, makeDocumentLoader} from './common.mjs';

export {Ed25519Multikey, DataIntegrityProof, Ed25519Signature2020,
  eddsaRdfc2022};

// did:key resolution is a pure derivation from the key, so it is offline.
const didKeyDriver = didKeyDriverFactory();
didKeyDriver.use({
  multibaseMultikeyHeader: 'z6Mk',
  fromMultibase: Ed25519Multikey.from
});

export function dbDocumentLoader(documents, requested) {
  return makeDocumentLoader({
    documents: indexDocuments(documents ?? {}), didKeyDriver, requested
  });
}
