// Loaded with `node --require` for the wasm-bindgen tests only (scripts/test.sh). The library
// links workers-rs's `Socket`, whose glue imports `cloudflare:sockets`: a module only the
// Workers runtime has. The wasm tests never open a socket, so under Node that import resolves
// to this stub, which refuses if anything ever calls it.
'use strict';
const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'cloudflare:sockets') return __filename;
  return resolve.call(this, request, ...rest);
};
exports.connect = () => { throw new Error('cloudflare:sockets is not available in the wasm tests under Node'); };
