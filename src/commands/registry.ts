// The CLI's commands. A command module exports `run(args): Promise<number>`; it is imported only
// when that command runs, so `speclin eigs` never loads the training code.

export interface CommandModule {
  run(args: string[]): Promise<number>;
}

export interface Command {
  name: string;
  summary: string;
  load(): Promise<CommandModule>;
}

const commands: Command[] = [
  { name: 'eigs', summary: 'top-k eigenvalues of a graph\'s normalized adjacency', load: () => import('./eigs.js') },
  { name: 'optimum', summary: 'closed-form optimum of the spectral contrastive loss', load: () => import('./optimum.js') },
  { name: 'bench', summary: 'run the benchmark suites against their peers', load: () => import('./bench.js') },
  { name: 'demo', summary: 'learn spectral embeddings of MNIST and check them against the closed-form optimum', load: () => import('./demo.js') },
  { name: 'clip', summary: 'two towers on a bipartite graph of pairs, against the closed-form optimum', load: () => import('./clip.js') },
  { name: 'train', summary: 'train an embedding of any graph (--graph FILE -k K)', load: () => import('./train.js') },
  { name: 'search', summary: 'the k best keys of each query: exact or inverted-file search (--keys K --queries Q -k K)', load: () => import('./search.js') },
  { name: 'verify', summary: 'check an embedding trained anywhere against the closed-form optimum', load: () => import('./verify.js') },
  { name: 'where', summary: 'the paths of libspeclin (the C ABI) and speclin.h, for C and Python', load: () => import('./where.js') },
];

export function commandList(): Command[] {
  return commands;
}
