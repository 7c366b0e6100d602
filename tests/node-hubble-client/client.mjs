// Calls a Hubble server with @grpc/grpc-js, loading the .proto files at run time (no generated code), and prints
// one JSON document: the ServerStatus answer and the flows GetFlows returned.
// usage: node client.mjs PROTO_ROOT unix:///path/to/hubble.sock|host:port NUMBER
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import path from 'node:path';

const [protoRoot, server, number] = process.argv.slice(2);
if (!protoRoot || !server) {
  console.error('usage: node client.mjs PROTO_ROOT SERVER [NUMBER]');
  process.exit(2);
}

const definition = protoLoader.loadSync(path.join(protoRoot, 'observer/observer.proto'), {
  includeDirs: [protoRoot],
  keepCase: true,   // proto field names, as Hubble's JSON uses them
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
});
const observer = grpc.loadPackageDefinition(definition).observer;
const client = new observer.Observer(server, grpc.credentials.createInsecure());
const deadline = () => new Date(Date.now() + 10000);

function serverStatus() {
  return new Promise((resolve, reject) =>
    client.ServerStatus({}, { deadline: deadline() }, (err, reply) => (err ? reject(err) : resolve(reply))));
}

function getFlows(n) {
  return new Promise((resolve, reject) => {
    const flows = [];
    const call = client.GetFlows({ number: String(n) }, { deadline: deadline() });
    call.on('data', (response) => { if (response.flow) flows.push(response); });
    call.on('error', reject);
    call.on('end', () => resolve(flows));
  });
}

try {
  const status = await serverStatus();
  const flows = await getFlows(Number(number ?? 20));
  console.log(JSON.stringify({ status, flows }));
  client.close();
} catch (err) {
  console.error(`hubble client: ${err.code ?? ''} ${err.details ?? err.message}`);
  process.exit(1);
}
