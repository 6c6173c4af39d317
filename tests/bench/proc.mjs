// What /proc says of the workerd process tree under test, for the benchmarks.
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // /proc's clock ticks (USER_HZ = 100 on Linux)

/** User + system CPU of process `pid` and of each of its descendants, in ms, by command name. */
export function cpuMsByProcess(pid) {
  const by = {};
  const walk = (p) => {
    let stat;
    try { stat = readFileSync(`/proc/${p}/stat`, 'utf8'); } catch { return; }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    by[name] = (by[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
    for (const t of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(' ').filter(Boolean)) walk(t);
  };
  walk(pid);
  return by;
}

/** User + system CPU of process `pid` and its descendants (workerd runs under node), in ms. */
export function cpuMs(pid) {
  return Object.values(cpuMsByProcess(pid)).reduce((sum, ms) => sum + ms, 0);
}
