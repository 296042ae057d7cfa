//! CPU time and memory of a process, from Linux's /proc.

use std::time::Instant;

/// Clock ticks per second in /proc/PID/stat: USER_HZ, which Linux fixes at 100 in its ABI on
/// every architecture this runs on.
const USER_HZ: f64 = 100.0;

/// A process's CPU time (all its threads; not its children) at an instant.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CpuSample {
    pub(crate) at: Instant,
    pub(crate) cpu_s: f64,
}

/// CPU used between two samples.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CpuUse {
    pub(crate) cpu_s: f64,
    pub(crate) wall_s: f64,
}

impl CpuUse {
    /// Cores kept busy on average.
    pub(crate) fn cores(&self) -> f64 {
        if self.wall_s > 0.0 { self.cpu_s / self.wall_s } else { f64::NAN }
    }
}

/// `pid`'s (or, for `None`, this process's) user + system CPU time now.
pub(crate) fn cpu(pid: Option<u32>) -> Option<CpuSample> {
    let stat = std::fs::read_to_string(proc_path(pid, "stat")).ok()?;
    let cpu_s = parse_cpu_ticks(&stat)? as f64 / USER_HZ;
    Some(CpuSample { at: Instant::now(), cpu_s })
}

/// CPU used from `from` to `to`.
pub(crate) fn between(from: Option<CpuSample>, to: Option<CpuSample>) -> Option<CpuUse> {
    let (from, to) = (from?, to?);
    Some(CpuUse { cpu_s: to.cpu_s - from.cpu_s, wall_s: (to.at - from.at).as_secs_f64() })
}

/// The whole machine's busy CPU time (all processes) at an instant, and its CPU count.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SystemSample {
    pub(crate) at: Instant,
    pub(crate) busy_s: f64,
    pub(crate) cpus: usize,
}

/// Busy time of all CPUs now: everything in /proc/stat's `cpu` line but idle and iowait.
pub(crate) fn system() -> Option<SystemSample> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let (busy, cpus) = parse_system(&stat)?;
    Some(SystemSample { at: Instant::now(), busy_s: busy as f64 / USER_HZ, cpus })
}

/// Machine CPU used between two samples.
pub(crate) fn system_between(from: Option<SystemSample>, to: Option<SystemSample>) -> Option<CpuUse> {
    let (from, to) = (from?, to?);
    Some(CpuUse { cpu_s: to.busy_s - from.busy_s, wall_s: (to.at - from.at).as_secs_f64() })
}

fn parse_system(stat: &str) -> Option<(u64, usize)> {
    let mut lines = stat.lines();
    let total = lines.next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = total.split_whitespace().map(|f| f.parse().ok()).collect::<Option<_>>()?;
    let idle = ticks.get(3)? + ticks.get(4).copied().unwrap_or(0);
    // Fields 9 and 10 (guest time) are already counted in user time.
    let busy = ticks.iter().take(8).sum::<u64>() - idle;
    let cpus =
        lines.filter(|line| line.starts_with("cpu") && line.as_bytes().get(3).is_some_and(u8::is_ascii_digit)).count();
    Some((busy, cpus))
}

/// Resident memory now and at its peak, in MiB (VmRSS and VmHWM).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Memory {
    pub(crate) rss_mib: f64,
    pub(crate) hwm_mib: f64,
}

pub(crate) fn memory(pid: Option<u32>) -> Option<Memory> {
    let status = std::fs::read_to_string(proc_path(pid, "status")).ok()?;
    Some(Memory { rss_mib: status_kib(&status, "VmRSS:")? / 1024.0, hwm_mib: status_kib(&status, "VmHWM:")? / 1024.0 })
}

fn proc_path(pid: Option<u32>, file: &str) -> String {
    match pid {
        Some(pid) => format!("/proc/{pid}/{file}"),
        None => format!("/proc/self/{file}"),
    }
}

/// utime + stime (fields 14 and 15) of a /proc/PID/stat line; the command name (field 2) may
/// hold spaces and parentheses, so fields are counted after its closing parenthesis.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

fn status_kib(status: &str, key: &str) -> Option<f64> {
    let line = status.lines().find(|line| line.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_awkward_names() {
        let stat = "1234 (py thon (x)) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 3 4 20 0 9 0 100 1000 50";
        assert_eq!(parse_cpu_ticks(stat), Some(325));
        assert_eq!(parse_cpu_ticks("garbage"), None);
    }

    #[test]
    fn parses_proc_stat() {
        let stat =
            "cpu  100 5 50 1000 20 0 10 0 7 0\ncpu0 50 0 25 500 10 0 5 0 0 0\ncpu1 50 5 25 500 10 0 5 0 0 0\nintr 1\n";
        assert_eq!(parse_system(stat), Some((165, 2)));
        assert!(system().is_some_and(|s| s.cpus >= 1));
    }

    #[test]
    fn parses_status() {
        let status = "Name:\tpython\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n";
        assert_eq!(status_kib(status, "VmRSS:"), Some(102_400.0));
        assert_eq!(status_kib(status, "VmHWM:"), Some(204_800.0));
    }

    #[test]
    fn reads_this_process() {
        assert!(cpu(None).is_some());
        assert!(memory(None).is_some_and(|m| m.rss_mib > 0.0));
    }
}
