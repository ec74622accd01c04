// The renderer build the UI tests use: the same one `npm start` makes (main/app/dev-build.ts).
export { ensureRendererBuilt, RENDERER_DIST } from '../../main/app/dev-build';
