/// Wakes a polling loop early (e.g. the outbox relay right after a commit wrote outbox rows).
public actor WakeSignal {
    private var pending = false
    private var waiter: CheckedContinuation<Void, Never>?
    private var generation = 0

    public init() {}

    /// Wakes the current waiter, or makes the next wait return at once.
    public func notify() {
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            pending = true
        }
    }

    /// Nonisolated convenience for code outside async contexts.
    public nonisolated func poke() { Task { await self.notify() } }

    /// Returns after a notify or after `milliseconds`, whichever comes first.
    public func wait(milliseconds: Int) async {
        if pending { pending = false; return }
        generation += 1
        let mine = generation
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            waiter = continuation
            Task {
                try? await Task.sleep(for: .milliseconds(milliseconds))
                self.expire(mine)
            }
        }
    }

    private func expire(_ which: Int) {
        guard which == generation, let waiter else { return }
        self.waiter = nil
        waiter.resume()
    }
}
