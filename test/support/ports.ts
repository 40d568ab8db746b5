export { freePort, isPortFree, canConnect, waitFor } from '../../scripts/net';
