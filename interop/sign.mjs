#!/usr/bin/env node
// Sign a credential with the Digital Bazaar stack (eddsa-rdfc-2022), for cross-checks:
//
//   node interop/sign.mjs --key KEY.json [--created ISO] CREDENTIAL.json > SIGNED.json
//
// KEY.json: {"id": "<did>#<fragment>", "controller": "<did>", "publicKeyMultibase": "z6Mk…",
// "secretKeyMultibase": "z3u2…"}. Prints the signed credential.
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';

import {buildLoader, readJson} from './loader.mjs';

async function main() {
  const argv = process.argv.slice(2);
  let keyFile; let created; let file;
  for(let i = 0; i < argv.length; i++) {
    if(argv[i] === '--key') {
      keyFile = argv[++i];
    } else if(argv[i] === '--created') {
      created = argv[++i];
    } else {
      file = argv[i];
    }
  }
  const key = readJson(keyFile);
  const keyPair = await Ed25519Multikey.from({
    '@context': 'https://w3id.org/security/multikey/v1', type: 'Multikey', ...key
  });
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(), cryptosuite: eddsaRdfc2022CryptoSuite,
    date: created ? new Date(created) : undefined
  });
  const signed = await vc.issue({
    credential: readJson(file), suite, documentLoader: buildLoader()
  });
  process.stdout.write(JSON.stringify(signed, null, 2) + '\n');
}

main().catch(e => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exitCode = 2;
});
