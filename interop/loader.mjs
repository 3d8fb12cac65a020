// A JSON-LD document loader for the independent verifier: the contexts bundled in the npm
// packages of the Digital Bazaar stack, Certinel's own context (pinned in the Python package,
// read from disk), and the DID documents and status lists given on the command line.
// Nothing is ever fetched from the network.
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import {contexts as statusListContexts} from '@digitalbazaar/vc-bitstring-status-list-context';
import {contexts as didContexts} from 'did-context';

const HERE = dirname(fileURLToPath(import.meta.url));
export const CERTINEL_CONTEXTS_DIR = join(HERE, '..', 'src', 'certinel', 'credentials', 'contexts');
// Only Certinel's own contexts are taken from the Python package; the W3C contexts come from npm.
const CERTINEL_OWN = ['https://w3id.org/certinel/credentials/v1', 'https://w3id.org/certinel/qualification/v1'];

export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function buildLoader({didDocuments = [], documents = []} = {}) {
  const statics = new Map();
  for(const map of [credentialsContexts, statusListContexts, didContexts]) {
    for(const [url, doc] of map) {
      statics.set(url, doc);
    }
  }
  const index = readJson(join(CERTINEL_CONTEXTS_DIR, 'index.json'));
  for(const url of CERTINEL_OWN) {
    statics.set(url, readJson(join(CERTINEL_CONTEXTS_DIR, index[url])));
  }
  for(const doc of documents) {
    statics.set(doc.id, doc);
  }
  const dids = new Map(didDocuments.map(doc => [doc.id, doc]));

  return async function documentLoader(url) {
    if(statics.has(url)) {
      return {contextUrl: null, documentUrl: url, document: statics.get(url), tag: 'static'};
    }
    if(url.startsWith('did:')) {
      const [did, fragment] = url.split('#');
      const doc = dids.get(did);
      if(doc) {
        if(!fragment) {
          return {contextUrl: null, documentUrl: url, document: doc};
        }
        const vm = (doc.verificationMethod || []).find(m => m.id === url);
        if(vm) {
          return {
            contextUrl: null, documentUrl: url,
            document: {'@context': doc['@context'], ...vm}
          };
        }
      }
    }
    throw new Error(`Document not found in the offline loader: ${url}`);
  };
}
