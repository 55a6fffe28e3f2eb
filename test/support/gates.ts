/** Lets a test hold a request in flight at a known point, then let it go. */
export class Gates {
  private readonly gates = new Map<string, { arrived: Deferred; release: Deferred }>()

  private gate(name: string) {
    let gate = this.gates.get(name)
    if (!gate) {
      gate = { arrived: deferred(), release: deferred() }
      this.gates.set(name, gate)
    }
    return gate
  }

  /** Server side: say we are here, then wait to be released. */
  async pass(name: string): Promise<void> {
    const gate = this.gate(name)
    gate.arrived.resolve()
    await gate.release.promise
  }

  /** Test side: resolves once a request is waiting at the gate. */
  arrived(name: string): Promise<void> {
    return this.gate(name).arrived.promise
  }

  release(name: string): void {
    this.gate(name).release.resolve()
  }
}

interface Deferred {
  promise: Promise<void>
  resolve(): void
}

function deferred(): Deferred {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}
