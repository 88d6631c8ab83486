/**
 * A bare Aedes broker that accepts every client and stores nothing: the sink the simulator
 * benchmark publishes into. Prints {"port": N} on stdout when listening; stops on SIGTERM.
 */
import net from 'node:net';
import { Aedes } from 'aedes';

const broker = await Aedes.createBroker({ authenticate: (_client, _username, _password, done) => done(null, true) });
const server = net.createServer(broker.handle);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as net.AddressInfo).port })}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  broker.close(() => process.exit(0));
});
