// What /proc says of the workerd process tree under test, for the benchmarks.
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // /proc's clock ticks (USER_HZ = 100 on Linux)

/** User + system CPU of process `pid` and its descendants (workerd runs under node), in ms. */
export function cpuMs(pid) {
  let ticks = 0;
  const walk = (p) => {
    let stat;
    try { stat = readFileSync(`/proc/${p}/stat`, 'utf8'); } catch { return; }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    for (const t of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(' ').filter(Boolean)) walk(t);
  };
  walk(pid);
  return ticks * TICK_MS;
}
