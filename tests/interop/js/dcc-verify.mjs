// Verify a credential with the Digital Credentials Consortium's
// @digitalcredentials/verifier-core (the engine of the Learner Credential
// Wallet and VerifierPlus), offline.
//
// verifier-core builds its own document loader (npm-bundled contexts,
// did:key, did:web) and goes to the network through the global `fetch` for
// everything else: unknown contexts, https verification methods and
// controller documents, did:web DID documents, status list credentials, the
// OB 3.0 JSON Schemas, issuer registries. `fetch` is replaced here by an
// offline responder (see common.mjs) serving the project's bundled contexts
// and JSON Schemas and the payload's documents. It uses the real clock.
//
// stdin:  {"credential": {...}, "documents"?: {"<url|did>": {...}},
//          "dereferenceFragments"?: bool (default false)}
//      or {"items": [<that>, ...]}
// stdout: {"verified": bool, "signatureValid": bool, "errors": [str],
//          "registeredIssuer": bool, "schemaValid": bool|null,
//          "schemaErrors": [str], "fetched": [url], "diagnostics": [str],
//          "raw": {...verifier-core's response minus the credential echo}}
//      or {"results": [<that>, ...]}
//
// "dereferenceFragments": an https verification method URL is fetched like
// any URL, so a real server answers `https://x/issuer#key` with the document
// at `https://x/issuer`, and verifier-core does not look inside it for the
// key. With this flag the offline responder answers the key node itself,
// which no HTTP server can do; it exists only to separate "the signature is
// fine" from "verifier-core cannot resolve this kind of key URL".
//
// "diagnostics": when verifier-core reports a fatal error, it hides the
// cause. The same call it makes internally (@digitalcredentials/vc's
// verifyCredential with its suites and document loader, same package
// versions) is repeated to collect the underlying error messages.
import {
  errorMessages, indexDocuments, installOfflineFetch, jsonSafe, main, setLiveOrigins
} from './common.mjs';

const offline = installOfflineFetch();
// Imported after fetch is replaced, so nothing can capture the real one.
const {verifyCredential} = await import('@digitalcredentials/verifier-core');
const dccVc = await import('@digitalcredentials/vc');
const {DataIntegrityProof} = await import('@digitalcredentials/data-integrity');
const {cryptosuite: eddsaRdfc2022} = await import(
  '@digitalcredentials/eddsa-rdfc-2022-cryptosuite');
const {Ed25519Signature2020} = await import(
  '@digitalcredentials/ed25519-signature-2020');
const {securityLoader} = await import(
  '@digitalcredentials/security-document-loader');

// Mirrors the setup in verifier-core's Verify.js.
const diagnosticLoader = securityLoader({fetchRemoteContexts: true}).build();
const diagnosticSuite = [
  new Ed25519Signature2020(),
  new DataIntegrityProof({cryptosuite: eddsaRdfc2022})
];

async function diagnose(credential) {
  const result = await dccVc.verifyCredential({
    credential, suite: diagnosticSuite, documentLoader: diagnosticLoader,
    checkStatus: async () => ({verified: true}), verifyMatchingIssuers: false
  });
  if(result.verified) {
    return [];
  }
  return errorMessages([result.error,
    ...(result.results ?? []).map(r => r.error)]);
}

// Log step reporting issuer-registry membership: informational here.
const REGISTRY_STEP = 'registered_issuer';

function summarize(raw) {
  const errors = [];
  const log = Array.isArray(raw.log) ? raw.log : [];
  // Fatal errors: the credential could not be checked at all (no proof,
  // bad signature, unresolvable key, JSON-LD error, ...). No log then.
  if(Array.isArray(raw.errors) && raw.errors.length) {
    for(const e of raw.errors) {
      errors.push(`${e.name ?? 'error'}: ${e.message}`);
      if(e.stackTrace) {
        errors.push(...errorMessages(e.stackTrace));
      }
    }
  }
  // A non-fatal error left on the response (e.g. a date check that threw).
  if(raw.error) {
    errors.push(...errorMessages(raw.error));
  }
  const signatureStep = log.find(step => step.id === 'valid_signature');
  const signatureValid = !(raw.errors && raw.errors.length) &&
    signatureStep?.valid === true;
  for(const step of log) {
    if(step.id === REGISTRY_STEP) {
      continue;
    }
    if(step.error) {
      errors.push(`${step.id}: ${step.error.name ?? 'error'}: ` +
        `${step.error.message}`);
    } else if(step.valid !== true) {
      errors.push(`${step.id}: not valid`);
    }
  }
  if(!signatureStep && !errors.length) {
    errors.push('valid_signature: step missing from the log');
  }
  const registryStep = log.find(step => step.id === REGISTRY_STEP);

  // Schema check results are "additional information" in verifier-core:
  // reported here, not folded into `verified`.
  let schemaValid = null;
  const schemaErrors = [];
  const schemaEntry = (raw.additionalInformation ?? [])
    .find(entry => entry.id === 'schema_check');
  if(schemaEntry && Array.isArray(schemaEntry.results)) {
    schemaValid = schemaEntry.results.every(r => r.result?.valid === true);
    for(const r of schemaEntry.results) {
      for(const e of r.result?.errors ?? []) {
        schemaErrors.push(`${r.schema}: ${e.instancePath || '/'} ` +
          `${e.message}`);
      }
    }
  } else if(schemaEntry && typeof schemaEntry.results === 'string' &&
    schemaEntry.results !== 'NO_SCHEMA') {
    schemaValid = false;
    schemaErrors.push(schemaEntry.results);
  }

  return {
    verified: signatureValid && errors.length === 0,
    signatureValid,
    errors: [...new Set(errors)],
    registeredIssuer: registryStep?.valid === true,
    schemaValid,
    schemaErrors
  };
}

async function verifyOne({credential, documents, dereferenceFragments, live}) {
  setLiveOrigins(live ?? []);
  if(!credential || typeof credential !== 'object') {
    throw new TypeError('"credential" must be an object.');
  }
  offline.setDocuments(indexDocuments(documents ?? {}),
    {dereferenceFragments: dereferenceFragments === true});
  offline.fetched.length = 0;
  // knownDIDRegistries must be an array (verifier-core fails on undefined);
  // an empty list makes the registry step report "not registered" offline.
  const raw = await verifyCredential({
    credential: structuredClone(credential), knownDIDRegistries: []
  });
  const summary = summarize(raw);
  const fetched = [...offline.fetched];
  const diagnostics = Array.isArray(raw.errors) && raw.errors.length ?
    await diagnose(structuredClone(credential)) : [];
  // The response echoes the credential back; drop it to keep output small.
  const {credential: _echo, ...rest} = raw;
  return {...summary, fetched, diagnostics, raw: jsonSafe(rest)};
}

await main(verifyOne);
