// Compare the JSON-LD contexts verifier-core actually uses with the
// project's bundle. verifier-core's document loader answers many context
// URLs from copies shipped inside npm packages (never asking the network),
// so for those URLs it does not see Badger's bytes; this reports, for every
// bundled context URL, where verifier-core gets it from and whether the
// parsed JSON equals the bundled file.
// stdin:  {} (ignored)
// stdout: {"contexts": {"<url>": {"source": "npm"|"bundle", "equal": bool}}}
import {isDeepStrictEqual} from 'node:util';
import {CONTEXTS, installOfflineFetch, main} from './common.mjs';

const offline = installOfflineFetch();
const {securityLoader} = await import(
  '@digitalcredentials/security-document-loader');
// Same construction as verifier-core's Verify.js.
const documentLoader = securityLoader({fetchRemoteContexts: true}).build();

await main(async () => {
  const contexts = {};
  for(const [url, bundled] of CONTEXTS) {
    offline.fetched.length = 0;
    const {document} = await documentLoader(url);
    contexts[url] = {
      source: offline.fetched.length ? 'bundle' : 'npm',
      equal: isDeepStrictEqual(document, bundled)
    };
  }
  return {contexts};
});
