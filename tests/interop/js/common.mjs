// Shared plumbing for the interop scripts: stdin/stdout JSON protocol, the
// project's bundled JSON-LD contexts and JSON Schemas, an offline JSON-LD
// document loader (Digital Bazaar stack) and an offline `fetch` replacement
// (for libraries that go to the network through the global fetch).
//
// Nothing here ever reaches the network: every URL is answered from the
// project's bundle, from the documents given in the payload, or by did:key
// derivation; anything else is an error.
import {readFileSync, readdirSync} from 'node:fs';

// Some verifier libraries print diagnostics with console.log; stdout carries
// the JSON answer only, so route every console method to stderr.
for(const name of ['log', 'info', 'debug', 'warn']) {
  console[name] = (...args) => console.error(...args);
}

const CONTEXTS_DIR = new URL('../../../schemas/contexts/', import.meta.url);

// The real fetch, kept before installOfflineFetch() replaces it: used only for "live" test
// servers that a test started on the loopback interface (end-to-end tests resolve did:web
// against the running Badger server).
const REAL_FETCH = globalThis.fetch;
const LIVE = {origins: new Set()};

/**
 * Declare loopback origins (e.g. "http://127.0.0.1:5123") whose documents are fetched for
 * real. did:web mandates https; a loopback test server speaks http, so an https URL on a live
 * host:port is fetched over http.
 *
 * @param {string[]} origins - Origins; only 127.0.0.1 / localhost ones are accepted.
 */
export function setLiveOrigins(origins = []) {
  LIVE.origins = new Set();
  for(const origin of origins) {
    const url = new URL(origin);
    if(!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
      throw new Error(`live origins must be loopback, not ${origin}`);
    }
    LIVE.origins.add(url.host);
  }
}

function liveUrl(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  return LIVE.origins.has(parsed.host) ? `http://${parsed.host}${parsed.pathname}${parsed.search}` : null;
}

async function fetchLive(url) {
  const target = liveUrl(url);
  if(!target) {
    return null;
  }
  const response = await REAL_FETCH(target, {headers: {accept: 'application/json'}});
  if(!response.ok) {
    throw new Error(`${target} answered ${response.status}`);
  }
  return response.json();
}
const JSONSCHEMA_DIR = new URL('../../../schemas/jsonschema/', import.meta.url);

function loadContexts() {
  const index = JSON.parse(
    readFileSync(new URL('index.json', CONTEXTS_DIR), 'utf8'));
  const raw = new Map();
  for(const [url, file] of Object.entries(index)) {
    raw.set(url, readFileSync(new URL(file, CONTEXTS_DIR), 'utf8'));
  }
  return raw;
}

function loadJsonSchemas() {
  const raw = new Map();
  for(const file of readdirSync(JSONSCHEMA_DIR)) {
    if(!file.endsWith('.json')) {
      continue;
    }
    const text = readFileSync(new URL(file, JSONSCHEMA_DIR), 'utf8');
    const id = JSON.parse(text).$id;
    if(typeof id === 'string') {
      raw.set(id.replace(/#$/, ''), text);
    }
  }
  return raw;
}

/** Context URL -> exact bytes (as text) of the project's bundled file. */
export const CONTEXTS_RAW = loadContexts();
/** Context URL -> parsed context. */
export const CONTEXTS = new Map(
  [...CONTEXTS_RAW].map(([url, text]) => [url, JSON.parse(text)]));
/** JSON Schema `$id` -> text of the project's bundled schema. */
export const JSON_SCHEMAS_RAW = loadJsonSchemas();

export function stripFragment(url) {
  const i = url.indexOf('#');
  return i === -1 ? url : url.slice(0, i);
}

/**
 * did:web DID (no fragment) -> URL of its DID document, per the did:web spec.
 *
 * @param {string} did - A did:web DID.
 * @returns {string} The https URL of the DID document.
 */
export function didWebToUrl(did) {
  const parts = did.slice('did:web:'.length).split(':')
    .map(part => decodeURIComponent(part));
  const host = parts.shift();
  const path = parts.length ? parts.join('/') : '.well-known';
  return `https://${host}/${path}/did.json`;
}

/**
 * Index the payload's extra documents. Keys are URLs or DIDs without
 * fragment; a did:web key is also reachable through its https URL (so an
 * HTTP-level interceptor can serve it).
 *
 * @param {object} [documents] - Map of URL/DID -> JSON document.
 * @returns {Map<string, object>} Lookup table.
 */
export function indexDocuments(documents = {}) {
  if(documents === null || typeof documents !== 'object' ||
    Array.isArray(documents)) {
    throw new TypeError('"documents" must be an object (URL -> document).');
  }
  const table = new Map();
  for(const [key, doc] of Object.entries(documents)) {
    table.set(key, doc);
    if(key.startsWith('did:web:')) {
      table.set(didWebToUrl(stripFragment(key)), doc);
    }
  }
  return table;
}

/**
 * Find the node identified by `url` (absolute, or `#fragment` relative to the
 * document) anywhere inside `doc`, and return it with the document's
 * `@context` attached, as a resolver dereferencing a DID URL / key URL does.
 *
 * @param {object} doc - The containing document.
 * @param {string} url - The full URL (with fragment).
 * @returns {object|null} The node or null.
 */
export function dereferenceFragment(doc, url) {
  const fragment = url.slice(url.indexOf('#'));
  const seen = new Set();
  const stack = [doc];
  while(stack.length) {
    const node = stack.pop();
    if(node === null || typeof node !== 'object' || seen.has(node)) {
      continue;
    }
    seen.add(node);
    if(!Array.isArray(node) && node !== doc &&
      (node.id === url || node.id === fragment)) {
      const result = {...node, id: url};
      if(!result['@context'] && doc['@context']) {
        result['@context'] = doc['@context'];
      }
      return result;
    }
    for(const value of Array.isArray(node) ? node : Object.values(node)) {
      stack.push(value);
    }
  }
  return null;
}

/**
 * A strict, offline JSON-LD document loader: bundled contexts, the payload's
 * documents, did:key (derived by `didKeyDriver`), nothing else.
 *
 * @param {object} options - Options.
 * @param {Map<string, object>} options.documents - From `indexDocuments`.
 * @param {object} [options.didKeyDriver] - A did-method-key driver.
 * @param {string[]} [options.requested] - Collects every requested URL.
 * @returns {Function} documentLoader(url).
 */
export function makeDocumentLoader({documents, didKeyDriver, requested}) {
  return async function documentLoader(url) {
    if(requested) {
      requested.push(url);
    }
    const wrap = document => ({contextUrl: null, documentUrl: url, document});
    if(CONTEXTS.has(url)) {
      return wrap(structuredClone(CONTEXTS.get(url)));
    }
    if(documents.has(url)) {
      return wrap(structuredClone(documents.get(url)));
    }
    const base = stripFragment(url);
    if(base.startsWith('did:key:') && didKeyDriver) {
      return wrap(await didKeyDriver.get({url}));
    }
    const doc = documents.get(base) ??
      (base.startsWith('did:web:') ? documents.get(didWebToUrl(base)) : null) ??
      await fetchLive(base.startsWith('did:web:') ? didWebToUrl(base) : base);
    if(doc) {
      if(base === url) {
        return wrap(structuredClone(doc));
      }
      const node = dereferenceFragment(structuredClone(doc), url);
      if(node) {
        return wrap(node);
      }
      throw new Error(`Fragment not found in supplied document: ${url}`);
    }
    throw new Error(`Offline document loader: unknown URL ${url}`);
  };
}

/**
 * Replace `globalThis.fetch` with an offline responder that behaves like an
 * HTTP server: the fragment is not part of the request, so a URL with a
 * fragment gets the whole document at its base URL. Answers with bundled
 * contexts, bundled JSON Schemas and the current payload's documents;
 * everything else is a 404. `setDocuments(table, {dereferenceFragments})`
 * can opt in to answering a fragment URL with the node it names, which no
 * real HTTP server can do (the fragment never reaches it).
 *
 * @returns {{setDocuments: Function, fetched: string[]}} Controls.
 */
export function installOfflineFetch() {
  const state = {
    documents: new Map(), fetched: [], dereferenceFragments: false
  };
  globalThis.fetch = async function offlineFetch(input) {
    const url = typeof input === 'string' ? input :
      input instanceof URL ? input.href : input.url;
    state.fetched.push(url);
    const base = stripFragment(url);
    let body = CONTEXTS_RAW.get(base) ?? JSON_SCHEMAS_RAW.get(base);
    if(body === undefined && state.documents.has(base)) {
      let doc = state.documents.get(base);
      if(state.dereferenceFragments && base !== url) {
        // Opt-in, NOT what HTTP does: answer the node the fragment names.
        doc = dereferenceFragment(doc, url) ?? doc;
      }
      body = JSON.stringify(doc);
    }
    if(body === undefined && liveUrl(base)) {
      return REAL_FETCH(liveUrl(base), {headers: {accept: 'application/json'}});
    }
    if(body === undefined) {
      return new Response(`offline: no document for ${base}`,
        {status: 404, statusText: 'Not Found',
          headers: {'content-type': 'text/plain'}});
    }
    return new Response(body, {
      status: 200, statusText: 'OK',
      headers: {'content-type': 'application/json'}
    });
  };
  return {
    fetched: state.fetched,
    setDocuments(table, {dereferenceFragments = false} = {}) {
      state.documents = table;
      state.dereferenceFragments = dereferenceFragments;
    }
  };
}

/**
 * Flatten an error (and its nested `errors` / `cause`) into messages.
 *
 * @param {*} error - Anything thrown or reported.
 * @param {string[]} [out] - Accumulator.
 * @returns {string[]} Messages.
 */
export function errorMessages(error, out = []) {
  if(!error) {
    return out;
  }
  if(Array.isArray(error)) {
    error.forEach(e => errorMessages(e, out));
    return [...new Set(out)];
  }
  if(typeof error !== 'object') {
    out.push(String(error));
    return out;
  }
  const nested = Array.isArray(error.errors) ? error.errors : null;
  if(error.message && !(nested && nested.length &&
    error.name === 'VerificationError')) {
    out.push(error.name && error.name !== 'Error' ?
      `${error.name}: ${error.message}` : error.message);
  }
  if(nested) {
    errorMessages(nested, out);
  }
  if(error.cause) {
    errorMessages(error.cause, out);
  }
  return [...new Set(out)];
}

/** JSON.stringify replacer that keeps Error objects readable. */
export function jsonSafe(value) {
  return JSON.parse(JSON.stringify(value, (key, v) => {
    if(v instanceof Error) {
      const plain = {name: v.name, message: v.message};
      for(const k of ['errors', 'cause', 'requestUrl', 'status']) {
        if(v[k] !== undefined) {
          plain[k] = v[k];
        }
      }
      return plain;
    }
    if(typeof v === 'bigint') {
      return v.toString();
    }
    if(v instanceof Uint8Array) {
      return Buffer.from(v).toString('base64');
    }
    return v;
  }));
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Script entry point: read one JSON object from stdin, run `handler` on it
 * (or on each of `items` for a batch `{"items": [...]}`) one at a time, and
 * write one JSON object to stdout. A thrown error is a harness error: it
 * goes to stderr and the exit code is non-zero.
 *
 * @param {Function} handler - async (payload) => result object.
 */
export async function main(handler) {
  try {
    const text = await readStdin();
    const input = JSON.parse(text);
    if(input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new TypeError('stdin must hold one JSON object.');
    }
    let output;
    if(Array.isArray(input.items)) {
      const results = [];
      for(const [i, item] of input.items.entries()) {
        try {
          results.push(await handler(item));
        } catch(e) {
          throw new Error(`item ${i}: ${e?.message ?? e}`, {cause: e});
        }
      }
      output = {results};
    } else {
      output = await handler(input);
    }
    process.stdout.write(JSON.stringify(jsonSafe(output)) + '\n');
  } catch(e) {
    process.stderr.write(`harness error: ${e?.stack ?? e}\n`);
    if(e?.cause) {
      process.stderr.write(`caused by: ${e.cause?.stack ?? e.cause}\n`);
    }
    process.exitCode = 2;
  }
}
