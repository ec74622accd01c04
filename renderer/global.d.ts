import type { KioskApi } from '../core/contract';

declare global {
  interface Window {
    /** Present in the Electron shell (exposed by the preload); absent in a plain browser. */
    kiosk?: KioskApi;
  }
}
