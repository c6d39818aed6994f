import { parsePromText } from './prom-text';

const TEXT = `# HELP http_requests_total HTTP requests handled
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/api/channels",status="200",service="channels"} 12
http_requests_total{method="GET",route="/say \\"hi\\"\\\\now",status="500",service="channels"} 3
http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/channels",status="200",service="channels"} 12
process_cpu_seconds_total 0.5 1700000000000
not a metric line
`;

describe('parsePromText', () => {
  it('reads names, labels (with escapes) and values, skipping comments and junk', () => {
    const samples = parsePromText(TEXT);

    expect(samples).toHaveLength(4);
    expect(samples[0]).toEqual({
      name: 'http_requests_total',
      labels: { method: 'GET', route: '/api/channels', status: '200', service: 'channels' },
      value: 12,
    });
    expect(samples[1]?.labels.route).toBe('/say "hi"\\now');
    expect(samples[2]?.labels.le).toBe('+Inf');
    expect(samples[3]).toEqual({ name: 'process_cpu_seconds_total', labels: {}, value: 0.5 });
  });

  it('keeps only the metrics asked for', () => {
    expect(parsePromText(TEXT, (n) => n === 'process_cpu_seconds_total').map((s) => s.name)).toEqual([
      'process_cpu_seconds_total',
    ]);
  });

  it('reads infinities and drops NaN', () => {
    expect(parsePromText('a +Inf\nb -Inf\nc NaN').map((s) => s.value)).toEqual([Infinity, -Infinity]);
  });
});
