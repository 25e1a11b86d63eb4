//! The one engine configuration for precompiling (at build time) and serving (at start): the
//! settings that shape compiled code live here only, so a component precompiled by the buildpack
//! always loads in the host that ships beside it.

use crate::limits::Limits;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the ticker thread advances the engine's epoch: the granularity of the timeout.
pub(crate) const EPOCH_TICK: std::time::Duration = std::time::Duration::from_millis(10);

/// Core instances, memories and tables one component instance may hold in the pool. A Rust
/// wasm32-wasip2 component has a handful of core instances and one or two memories.
const CORE_INSTANCES_PER_COMPONENT: u32 = 16;
const MEMORIES_PER_COMPONENT: u32 = 4;
const TABLES_PER_COMPONENT: u32 = 16;
/// Freed instance slots returned to the kernel together (one `madvise` pass for this many),
/// instead of one at a time: with a fresh instance per request, freeing is on every request's path.
const DECOMMIT_BATCH: usize = 16;

/// The settings that compiled code depends on: epoch checks in loops (the timeout) and the
/// component model. Both the compile and the serve engine start from these.
fn code_config() -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config
}

/// The engine the buildpack precompiles with. It targets the host binary's platform (musl, this
/// architecture) with a fixed CPU baseline, x86-64-v2 on x86-64, instead of the features of the
/// machine that builds: the image's code is the same wherever it is built (so is its digest)
/// and runs on machines older than the builder's. Loading checks each feature against the CPU.
pub(crate) fn compile_engine() -> wasmtime::Result<Engine> {
    let mut config = code_config();
    config.target(&format!("{}-unknown-linux-musl", std::env::consts::ARCH))?;
    if cfg!(target_arch = "x86_64") {
        // SAFETY: a preset only enables CPU features. Code that uses a feature the serving
        // machine lacks is refused when it is loaded (wasmtime checks every enabled ISA flag
        // against the CPU), never run.
        #[expect(unsafe_code, reason = "setting cranelift flags is unsafe in wasmtime's API")]
        unsafe {
            config.cranelift_flag_enable("x86-64-v2");
        }
    }
    Engine::new(&config)
}

/// The engine the host serves with: the same code settings, plus a pool of instance slots sized
/// by `limits` (runtime-only settings, which precompiled code does not depend on).
pub(crate) fn serve_engine(limits: &Limits) -> wasmtime::Result<Engine> {
    let mut config = code_config();
    let instances = limits.max_instances;
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(instances)
        .total_core_instances(instances.saturating_mul(CORE_INSTANCES_PER_COMPONENT))
        .total_memories(instances.saturating_mul(MEMORIES_PER_COMPONENT))
        .total_tables(instances.saturating_mul(TABLES_PER_COMPONENT))
        .total_stacks(instances)
        .max_memory_size(usize::try_from(limits.max_memory).unwrap_or(usize::MAX))
        .decommit_batch_size(DECOMMIT_BATCH);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}
