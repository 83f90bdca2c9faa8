import type { Experiment } from './experiment';

/** The experiments a bench offers, by name. */
export class ExperimentRegistry<Data = unknown> {
  private readonly experiments = new Map<string, Experiment<Data, unknown>>();

  register<Config>(experiment: Experiment<Data, Config>): this {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(experiment.name)) {
      throw new Error(
        `experiment name ${JSON.stringify(experiment.name)} must be lowercase letters, digits and dashes`,
      );
    }
    if (this.experiments.has(experiment.name)) throw new Error(`experiment "${experiment.name}" is registered twice`);
    if (Object.keys(experiment.profiles).length === 0)
      throw new Error(`experiment "${experiment.name}" has no profile`);
    this.experiments.set(experiment.name, experiment as Experiment<Data, unknown>);
    return this;
  }

  names(): string[] {
    return [...this.experiments.keys()];
  }

  defaultNames(): string[] {
    return [...this.experiments.values()].filter((e) => e.inDefaultSet).map((e) => e.name);
  }

  /** The experiment called `name`; a one-line error listing the known names otherwise. */
  get(name: string): Experiment<Data, unknown> {
    const experiment = this.experiments.get(name);
    if (experiment == null) throw new Error(`Unknown experiment "${name}": expected one of ${this.names().join(', ')}`);
    return experiment;
  }

  /** Profiles every selected experiment defines. */
  profilesOf(names: string[]): string[] {
    const sets = names.map((n) => new Set(Object.keys(this.get(n).profiles)));
    return [...(sets[0] ?? [])].filter((p) => sets.every((s) => s.has(p)));
  }
}
