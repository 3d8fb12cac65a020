#!/usr/bin/env node
// The independent verifier: @digitalbazaar/vc with the eddsa-rdfc-2022 cryptosuite, offline.
//
//   node interop/verify.mjs --did DID.json [--status-list LIST.json ...] [--now ISO] FILE...
//
// Each FILE holds a credential or a JSON array of credentials. Prints one JSON object:
// {"results": [{"file", "index", "id", "verified", "statusChecked", "revoked", "suspended",
//  "valid", "error"}], "startupMs", "verifyMs"}. `valid` = signature, issuer, dates and
// (when status lists are given) no status bit set. Exit 0 when every credential is valid.
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as vc from '@digitalbazaar/vc';

import {buildLoader, readJson} from './loader.mjs';

function parseArgs(argv) {
  const out = {dids: [], lists: [], files: [], now: undefined};
  for(let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if(arg === '--did') {
      out.dids.push(argv[++i]);
    } else if(arg === '--status-list') {
      out.lists.push(argv[++i]);
    } else if(arg === '--now') {
      out.now = argv[++i];
    } else {
      out.files.push(arg);
    }
  }
  return out;
}

function flatten(value) {
  return Array.isArray(value) ? value : [value];
}

async function verifyOne({credential, documentLoader, suite, withStatus, now}) {
  const options = {credential, suite, documentLoader, now};
  if(withStatus) {
    options.checkStatus = checkStatus;
  } else {
    options.checkStatus = async () => ({verified: true, skipped: true});
  }
  const result = await vc.verifyCredential(options);
  const bits = {};
  for(const r of result.statusResult?.results || []) {
    bits[r.credentialStatus?.statusPurpose] = r.status === true;
  }
  const error = result.error ?
    (result.error.errors || [result.error]).map(e => e.message).join('; ') : null;
  return {
    id: credential?.id ?? null,
    verified: result.verified === true,
    statusChecked: withStatus,
    revoked: bits.revocation === true,
    suspended: bits.suspension === true,
    valid: result.verified === true && !bits.revocation && !bits.suspension,
    error
  };
}

async function main() {
  const startupMs = performance.now();
  const args = parseArgs(process.argv.slice(2));
  const didDocuments = args.dids.flatMap(p => flatten(readJson(p)));
  const lists = args.lists.map(p => readJson(p));
  const documentLoader = buildLoader({didDocuments, documents: lists});
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  const results = [];
  const t0 = performance.now();
  for(const file of args.files) {
    let credentials;
    try {
      credentials = flatten(readJson(file));
    } catch(e) {
      results.push({file, index: 0, valid: false, verified: false, error: `unreadable: ${e.message}`});
      continue;
    }
    for(const [index, credential] of credentials.entries()) {
      const r = await verifyOne({
        credential, documentLoader, suite, withStatus: lists.length > 0, now: args.now
      });
      results.push({file, index, ...r});
    }
  }
  const verifyMs = performance.now() - t0;
  process.stdout.write(JSON.stringify({results, startupMs, verifyMs}, null, 2) + '\n');
  process.exitCode = results.length > 0 && results.every(r => r.valid) ? 0 : 1;
}

main().catch(e => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exitCode = 2;
});
