import { lineChart, niceCeil } from './charts';

describe('lineChart', () => {
  it('draws one line per series, broken where a value is missing', () => {
    const svg = lineChart({
      title: 'Latency p95',
      unit: 'ms',
      series: [
        {
          name: 'auth',
          points: [
            { t: 0, v: 1 },
            { t: 1000, v: 2 },
            { t: 2000, v: null },
            { t: 3000, v: 4 },
            { t: 4000, v: 3 },
          ],
        },
        { name: 'gateway', points: [{ t: 0, v: 8 }] },
      ],
    });

    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(1);
    expect(svg).toContain('<li>');
    expect(svg).toContain('>10</text>');
  });

  it('says when there is nothing to draw', () => {
    expect(
      lineChart({ title: 'Request rate', unit: 'requests/s', series: [{ name: 'auth', points: [{ t: 0, v: null }] }] }),
    ).toBe('<p class="empty">No request rate data yet.</p>');
  });

  it('rounds the scale up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 0.3, 3, 7, 11, 480].map(niceCeil)).toEqual([1, 0.5, 5, 10, 20, 500]);
  });
});
