// `npm start`: the kiosk with simulated hardware and a local hub. `npm start -- --headless`: the
// main-process services only, one line per service with its address when ready.
import { loadKioskConfig } from './app/config';
import { startKioskApp } from './app/kiosk-app';

let config;
try {
  config = loadKioskConfig();
} catch (error) {
  console.error(`kiosk: ${(error as Error).message}`);
  process.exit(2);
}

let app;
try {
  app = await startKioskApp(config);
} catch (error) {
  console.error(`kiosk: could not start — ${(error as Error).message}`);
  process.exit(1);
}

for (const line of app.describe()) console.log(line);
console.log('kiosk ready');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void app.stop().then(() => process.exit(0));
  });
}
