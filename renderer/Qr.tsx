import { useMemo } from 'react';
import QRCode from 'qrcode';

/**
 * The claim QR as one SVG path (no canvas, no innerHTML), with the 4-module quiet zone phone
 * cameras need. Its on-screen size comes from CSS (.qr): large enough to scan at 40–60 cm.
 */
export function Qr({ text, label }: { text: string; label: string }) {
  const { size, path } = useMemo(() => {
    const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
    const n = qr.modules.size;
    let d = '';
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) if (qr.modules.get(y, x)) d += `M${x + 4} ${y + 4}h1v1h-1z`;
    }
    return { size: n + 8, path: d };
  }, [text]);
  return (
    <svg className="qr" role="img" aria-label={label} data-qr={text} viewBox={`0 0 ${size} ${size}`} shapeRendering="crispEdges">
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
