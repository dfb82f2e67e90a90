//! Allocator settings, in one place: the binary installs mimalloc as the
//! global allocator (`src/main.rs`) and calls [`startup`] first thing;
//! `cairn build` calls [`for_build`]. Each default yields to the
//! matching `MIMALLOC_*` environment variable.

/// Options of mimalloc's `mi_option_t` (the same numbers in its v2 and v3
/// headers).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// The defaults of every command. Call before any other thread starts.
///
/// Return memory freed after parsing to the OS at once and commit arena
/// memory only when used: about 40 MB less peak memory at 100,000 items, at
/// the same speed. No transparent huge pages (mimalloc's own switch,
/// `MIMALLOC_ALLOW_THP`, is read before `main`): with them every purge and
/// re-fault zeroes 2 MB, and `cairn ready` on 100,000 items swung between
/// 1.5 and 2.9 s instead of a steady 1.7 s (BENCHMARKS.md, "Work graph");
/// `cairn build` allows them again ([`for_build`]).
pub fn startup() {
    // SAFETY: `mi_option_set_default` stores an integer option; the caller
    // runs this before other threads exist, so nothing races with it.
    unsafe {
        libmimalloc_sys::mi_option_set_default(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set_default(MI_OPTION_PURGE_DELAY, 0);
    }
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: PR_SET_THP_DISABLE only sets a flag on this process.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
}

/// The allocator settings of `cairn build`, over [`startup`]'s:
///
/// - mimalloc keeps freed memory 100 ms before returning it to the OS (its
///   own default is 10 ms), unless `MIMALLOC_PURGE_DELAY` says otherwise.
///   [`startup`] makes it return memory at once, which suits the
///   long-lived `serve` and the 100,000-item loads; rendering a site frees
///   and reuses page buffers all the time, and at once meant ~18,000
///   `madvise` calls per 10,000-item build (0.5 s in the calls alone, plus
///   the TLB shootdowns on the other core and the page faults after them):
///   ~2,300 with 100 ms, for ~10-20 MB more peak memory (BENCHMARKS.md,
///   "Site build").
/// - Transparent huge pages are allowed again (unless
///   `MIMALLOC_ALLOW_THP` says otherwise): a build touches 120 MB at
///   10,000 items, and at 4 KB a page that is 30,000 page faults, a
///   quarter of a one-title rebuild's time; with huge pages 1,300
///   (BENCHMARKS.md, "Incremental build, round 9"). With the 100 ms delay
///   above, the purges that made `ready` swing do not happen in a build.
pub fn for_build() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: `mi_option_set` stores an integer option; it runs before
        // the build starts its worker threads.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 100) };
    }
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: PR_SET_THP_DISABLE only sets a flag on this process.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 0, 0, 0, 0);
        }
    }
}

/// The memory this process may still take, in bytes: the kernel's
/// `MemAvailable`, or less when a cgroup limit (a container's) leaves less
/// room. `CAIRN_MEMORY_AVAILABLE` (bytes) overrides it (tests, or to
/// refuse early on a shared machine). `None` when unknown (not Linux).
pub fn available() -> Option<u64> {
    if let Some(v) = std::env::var("CAIRN_MEMORY_AVAILABLE").ok().and_then(|v| v.trim().parse().ok()) {
        return Some(v);
    }
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())?;
    let mut avail = kb.saturating_mul(1024);
    let read = |f: &str| std::fs::read_to_string(format!("/sys/fs/cgroup/{f}")).ok();
    if let (Some(max), Some(cur)) = (read("memory.max"), read("memory.current")) {
        if let (Ok(max), Ok(cur)) = (max.trim().parse::<u64>(), cur.trim().parse::<u64>()) {
            avail = avail.min(max.saturating_sub(cur));
        }
    }
    Some(avail)
}

/// `Err` naming `stage` when it needs about `need` more bytes than
/// [`available`] says there are: a clear refusal before the stage, instead
/// of the allocator aborting the process half-way.
pub fn ensure(stage: &str, need: u64) -> Result<(), String> {
    match available() {
        Some(avail) if need > avail => Err(format!(
            "not enough memory for {stage}: it needs about {} MB and {} MB are available; \
free memory, or build on a machine with more",
            need.div_ceil(1 << 20),
            avail / (1 << 20)
        )),
        _ => Ok(()),
    }
}

/// A buffer of `n` bytes reserved up front, or `Err` naming `what` when
/// the allocator cannot provide them (instead of aborting).
pub fn try_buffer(what: &str, n: usize) -> Result<Vec<u8>, String> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| format!("not enough memory for {what} ({} MB)", n.div_ceil(1 << 20)))?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_huge_buffer_is_an_error_not_an_abort() {
        assert!(super::try_buffer("a test", 16).is_ok());
        let e = super::try_buffer("the test's list", usize::MAX / 2).unwrap_err();
        assert!(e.starts_with("not enough memory for the test's list"), "{e}");
    }

    /// Every command starts with huge pages off; `cairn build` turns them
    /// on again (unless `MIMALLOC_ALLOW_THP` decides).
    #[cfg(target_os = "linux")]
    #[test]
    fn huge_pages_are_off_but_for_builds() {
        if std::env::var_os("MIMALLOC_ALLOW_THP").is_some() {
            return;
        }
        // SAFETY: PR_GET_THP_DISABLE only reads this process's flag.
        let off = || unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) } == 1;
        super::startup();
        assert!(off(), "off after startup");
        super::for_build();
        assert!(!off(), "on for a build");
        super::startup();
        assert!(off());
    }
}
