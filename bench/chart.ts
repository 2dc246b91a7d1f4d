// A small SVG of the load runs: requests per second, and latency percentiles, side by side.

export type ChartRun = {
  label: string;
  requestsPerSecond?: number;
  latencyMs: { p50: number; p90: number; p99: number };
};

const WIDTH = 860;
const PANEL_HEIGHT = 220;
const COLORS = { rps: '#2563eb', p50: '#16a34a', p90: '#ca8a04', p99: '#dc2626' };

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panel(
  title: string,
  top: number,
  groups: { label: string; bars: { value: number; color: string; text: string }[] }[],
): string {
  const max = Math.max(1, ...groups.flatMap((g) => g.bars.map((b) => b.value)));
  const left = 60;
  const plotWidth = WIDTH - left - 20;
  const plotHeight = PANEL_HEIGHT - 70;
  const groupWidth = plotWidth / Math.max(1, groups.length);
  const parts = [
    `<text x="${left}" y="${top + 18}" font-size="15" font-weight="bold">${escape(title)}</text>`,
  ];
  const base = top + 30 + plotHeight;
  parts.push(
    `<line x1="${left}" y1="${base}" x2="${left + plotWidth}" y2="${base}" stroke="#94a3b8"/>`,
  );
  groups.forEach((group, g) => {
    const barWidth = Math.min(48, (groupWidth - 20) / group.bars.length);
    const start = left + g * groupWidth + (groupWidth - barWidth * group.bars.length) / 2;
    group.bars.forEach((bar, b) => {
      const height = (bar.value / max) * plotHeight;
      const x = start + b * barWidth;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${(base - height).toFixed(1)}" width="${(barWidth - 4).toFixed(1)}" height="${height.toFixed(1)}" fill="${bar.color}"/>`,
      );
      parts.push(
        `<text x="${(x + (barWidth - 4) / 2).toFixed(1)}" y="${(base - height - 4).toFixed(1)}" font-size="10" text-anchor="middle">${escape(bar.text)}</text>`,
      );
    });
    parts.push(
      `<text x="${(left + g * groupWidth + groupWidth / 2).toFixed(1)}" y="${base + 16}" font-size="12" text-anchor="middle">${escape(group.label)}</text>`,
    );
  });
  return parts.join('\n');
}

export function renderChart(title: string, runs: ChartRun[]): string {
  const throughput = runs.filter((run) => run.requestsPerSecond !== undefined);
  const rps = panel(
    'Requests per second (higher is better)',
    40,
    throughput.map((run) => ({
      label: run.label,
      bars: [
        {
          value: run.requestsPerSecond!,
          color: COLORS.rps,
          text: run.requestsPerSecond!.toFixed(0),
        },
      ],
    })),
  );
  const latency = panel(
    'Latency in ms: p50, p90, p99 (lower is better)',
    40 + PANEL_HEIGHT,
    runs.map((run) => ({
      label: run.label,
      bars: (['p50', 'p90', 'p99'] as const).map((p) => ({
        value: run.latencyMs[p],
        color: COLORS[p],
        text: String(run.latencyMs[p]),
      })),
    })),
  );
  const height = 40 + 2 * PANEL_HEIGHT + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="20" y="26" font-size="17" font-weight="bold">${escape(title)}</text>
${rps}
${latency}
</svg>
`;
}
