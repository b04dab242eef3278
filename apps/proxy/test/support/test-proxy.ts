import { startProxy, type ProxyHandle, type ProxyOptions } from '../../src/index.js';
import { quietLogger } from './quiet-logger.js';

/** A proxy for one test: free loopback ports, no saved state, quiet logs. `options` override any of these. */
export function startTestProxy(options: ProxyOptions = {}): Promise<ProxyHandle> {
  return startProxy({ httpPort: 0, httpsPort: 0, adminPort: 0, bind: '127.0.0.1', stateDir: null, logger: quietLogger(), ...options });
}
