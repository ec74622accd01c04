import { createRoot } from 'react-dom/client';
import { App } from './App';
import { connectKiosk } from './client';
import './styles.css';

const root = document.getElementById('root');
if (root) createRoot(root).render(<App connect={connectKiosk} />);
