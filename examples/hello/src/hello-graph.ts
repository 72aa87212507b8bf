import {
  Collect,
  GraphDefinition,
  Input,
  Operation,
  Output,
  type CollectInputPort,
  type ExecutionContext,
  type InputPort,
  type Inputs,
  type OutputPort,
  type Outputs,
} from '@portflow/core';

/** Splits a sentence into words. */
export class SplitWords extends Operation {
  @Input(String) text!: InputPort<string>;
  @Output(Array) words!: OutputPort<string[]>;

  execute({ text }: Inputs<SplitWords>): Outputs<SplitWords> {
    return { words: text.split(/\s+/).filter(Boolean) };
  }
}

/** Counts words, pretending to be slow I/O so the two counters overlap. */
export class CountWords extends Operation {
  @Input(Array) words!: InputPort<string[]>;
  @Output(Number) count!: OutputPort<number>;

  async execute({ words }: Inputs<CountWords>, context: ExecutionContext): Promise<Outputs<CountWords>> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    context.reportProgress(1, `${words.length} words`);
    return { count: words.length };
  }
}

/** Finds the longest word. */
export class LongestWord extends Operation {
  @Input(Array) words!: InputPort<string[]>;
  @Output(String) longest!: OutputPort<string>;

  async execute({ words }: Inputs<LongestWord>): Promise<Outputs<LongestWord>> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { longest: words.reduce((a, b) => (b.length > a.length ? b : a), '') };
  }
}

/** Joins every fact into one report line. */
export class Report extends Operation {
  @Collect() facts!: CollectInputPort<unknown>;
  @Output(String) line!: OutputPort<string>;

  execute({ facts }: Inputs<Report>): Outputs<Report> {
    return { line: facts.map(String).join(' | ') };
  }
}

/** Emits the sentence the graph works on. */
export class Sentence extends Operation {
  @Output(String) text!: OutputPort<string>;

  constructor(private readonly sentence: string) {
    super({ id: 'sentence' });
  }

  execute(): Outputs<Sentence> {
    return { text: this.sentence };
  }
}

/** sentence -> split -> (count, longest) -> report */
export function buildHelloGraph(sentence = 'Portflow runs typed dataflow graphs in parallel') {
  const graph = new GraphDefinition({ name: 'hello' });
  const source = new Sentence(sentence);
  const split = new SplitWords({ id: 'split' });
  const count = new CountWords({ id: 'count' });
  const longest = new LongestWord({ id: 'longest' });
  const report = new Report({ id: 'report' });
  graph.connect(source, 'text', split, 'text');
  graph.connect(split, 'words', count, 'words');
  graph.connect(split, 'words', longest, 'words');
  graph.connect(count, 'count', report, 'facts');
  graph.connect(longest, 'longest', report, 'facts');
  return { graph, report, count, longest };
}
