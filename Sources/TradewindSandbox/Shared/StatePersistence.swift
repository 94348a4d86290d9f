import ServiceLifecycle

/// Writes the sandbox's state file every `interval` while something changed, and once more on
/// graceful shutdown, so a restarted sandbox has every change of a run that ended cleanly and all
/// but the last `interval` of one that was killed.
struct StatePersistence: Service {
    let store: SandboxStore
    var interval: Duration = .seconds(1)

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            store.persist()
        }
        store.persist()
    }
}
