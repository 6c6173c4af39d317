// A stand-in for Cloudflare Access's key endpoint, for the `PAGE_ACCESS=access` tests: makes
// an RSA key pair, serves its public half as the team's JWKS at /cdn-cgi/access/certs (the
// shape Access serves), and writes the private half and its key id to the file named by the
// first argument, so the tests can sign application tokens as Access would.
//   node tests/e2e/access-idp.mjs <key file>    → prints "listening on http://127.0.0.1:<port>"
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = randomUUID();
writeFileSync(process.argv[2], JSON.stringify({ kid, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) }));
const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] });

const server = createServer((req, res) => {
  if (req.url !== '/cdn-cgi/access/certs') return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
});
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
