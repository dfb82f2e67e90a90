// mimalloc: loading builds ~15 small allocations per item on two threads;
// measured faster and leaner than the system allocator (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Options of mimalloc's `mi_option_t` (the same numbers in its v2 and v3
/// headers).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // Defaults, which `MIMALLOC_*` environment variables still override:
    // return memory freed after parsing to the OS at once and commit arena
    // memory only when used (about 40 MB less peak memory at 100,000 items,
    // the same speed).
    // SAFETY: `mi_option_set_default` stores an integer option; no other
    // thread exists yet, so nothing races with it.
    unsafe {
        libmimalloc_sys::mi_option_set_default(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set_default(MI_OPTION_PURGE_DELAY, 0);
    }
    // No transparent huge pages (mimalloc's `MIMALLOC_ALLOW_THP=0`, which it
    // reads before `main`): with them every purge and re-fault zeroes 2 MB,
    // and `cairn ready` on 100,000 items swung between 1.5 and 2.9 s instead
    // of a steady 1.7 s (BENCHMARKS.md, "Work graph").
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: PR_SET_THP_DISABLE only sets a flag on this process.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
    cairn::cli::main()
}
