/**
 * The survey's printed Tables 1-3 (Mitzenmacher and Shahout, "Queueing, Predictions, and LLMs:
 * Challenges and Open Problems", 2025, section 2), transcribed as printed, typos included. These are
 * THE PAPER'S VALUES, used only to compare against; nothing in this project is fitted to them.
 * Table 1 comes from equations in Mitzenmacher (ITCS 2020); Tables 2 and 3 are simulations from
 * Mitzenmacher ("Queues with small advice", 2021), except their FIFO columns.
 */

export interface PaperColumn {
  /** Heading as printed. */
  label: string;
  /** Our policy name (registry `mg1Policies`). */
  policy: string;
  /** Prediction model the column uses. */
  prediction: 'exact' | 'exp';
  /** One value per lambda, as printed. */
  values: readonly number[];
}

export interface PaperTable {
  id: 'table1' | 'table2' | 'table3';
  title: string;
  /** Service spec (registry `services`). */
  service: string;
  /** How the paper obtained the numbers. */
  source: 'equations' | 'simulation';
  lambdas: readonly number[];
  columns: readonly PaperColumn[];
}

export const paperTable1: PaperTable = {
  id: 'table1',
  title: 'Table 1: M/M/1, predictions exponential with mean the true size (paper: equations)',
  service: 'exp',
  source: 'equations',
  lambdas: [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99],
  columns: [
    { label: 'FIFO', policy: 'fifo', prediction: 'exp', values: [2.0, 2.5, 3.3333, 5.0, 10.0, 20.0, 50.0, 100.0] },
    { label: 'SJF', policy: 'sjf', prediction: 'exact', values: [1.7127, 1.9625, 2.3122, 2.8822, 4.1969, 6.264, 11.2849, 18.4507] },
    { label: 'SPJF', policy: 'spjf', prediction: 'exp', values: [1.7948, 2.1086, 2.5726, 3.3758, 5.361, 8.6537, 16.9502, 29.0536] },
    { label: 'PSJF', policy: 'psjf', prediction: 'exact', values: [1.5314, 1.7526, 2.0839, 2.6589, 4.0518, 6.2648, 11.5513, 18.9556] },
    { label: 'PSPJF', policy: 'pspjf', prediction: 'exp', values: [1.6636, 1.9527, 2.397, 3.1943, 5.2232, 8.6166, 17.109, 29.3783] },
    { label: 'SRPT', policy: 'srpt', prediction: 'exact', values: [1.4254, 1.6041, 1.8746, 2.3528, 3.5521, 5.541, 10.4947, 17.6269] },
    { label: 'SPRPT', policy: 'sprpt', prediction: 'exp', values: [1.6531, 1.9305, 2.3539, 3.1168, 5.0481, 8.3221, 16.6239, 28.7302] },
  ],
};

const LAMBDAS_23 = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98];

export const paperTable2: PaperTable = {
  id: 'table2',
  title: 'Table 2: M/M/1, exponential predictions, optimal threshold (paper: simulation except FIFO)',
  service: 'exp',
  source: 'simulation',
  lambdas: LAMBDAS_23,
  columns: [
    { label: 'FIFO', policy: 'fifo', prediction: 'exp', values: [2.0, 2.5, 3.333, 5.0, 10.0, 20.0, 50.0] },
    { label: 'THRESHOLD NO PREEMPT', policy: '1bit', prediction: 'exact', values: [1.783, 2.089, 2.542, 3.329, 5.278, 8.535, 16.495] },
    { label: 'THRESHOLD PREEMPT', policy: '1bit-preempt', prediction: 'exact', values: [1.564, 1.814, 2.203, 2.91, 4.755, 7.914, 15.735] },
    { label: 'SRPT', policy: 'srpt', prediction: 'exact', values: [1.425, 1.604, 1.875, 2.355, 3.552, 5.532, 10.436] },
    { label: 'PREDICTION NO PREEMPT', policy: '1bit', prediction: 'exp', values: [1.85, 2.209, 2.761, 3.757, 6.366, 10.848, 22.418] },
    { label: 'PREDICTION PREEMPT', policy: '1bit-preempt', prediction: 'exp', values: [1.698, 2.013, 2.517, 3.451, 5.96, 10.372, 21.909] },
    { label: 'SPRPT', policy: 'sprpt', prediction: 'exp', values: [1.659, 1.94, 2.369, 3.143, 5.097, 8.424, 16.696] },
  ],
};

export const paperTable3: PaperTable = {
  id: 'table3',
  title: 'Table 3: M/G/1 with F(x) = 1 - exp(-sqrt(2x)), exponential predictions, optimal threshold (paper: simulation except FIFO)',
  service: 'weibull',
  source: 'simulation',
  lambdas: LAMBDAS_23,
  columns: [
    // 29.00 at lambda = 0.9 is printed; 1 + 3 lambda / (1 - lambda) = 28 (a typo).
    { label: 'FIFO', policy: 'fifo', prediction: 'exp', values: [4.0, 5.5, 8.0, 13.0, 29.0, 58.0, 148.0] },
    { label: 'THRESHOLD NO PREEMPT', policy: '1bit', prediction: 'exact', values: [3.012, 3.676, 4.565, 5.955, 8.94, 13.223, 22.451] },
    { label: 'THRESHOLD PREEMPT', policy: '1bit-preempt', prediction: 'exact', values: [1.608, 1.867, 2.258, 2.951, 4.649, 7.448, 15.194] },
    { label: 'SRPT', policy: 'srpt', prediction: 'exact', values: [1.411, 1.574, 1.813, 2.217, 3.154, 4.517, 7.666] },
    { label: 'PREDICTION NO PREEMPT', policy: '1bit', prediction: 'exp', values: [3.155, 3.918, 4.983, 6.721, 10.63, 16.546, 29.346] },
    { label: 'PREDICTION PREEMPT', policy: '1bit-preempt', prediction: 'exp', values: [1.736, 2.062, 2.568, 3.481, 5.79, 9.846, 20.918] },
    { label: 'SPRPT', policy: 'sprpt', prediction: 'exp', values: [1.94, 2.28, 2.75, 3.519, 5.224, 7.788, 13.404] },
  ],
};

export const paperTables: readonly PaperTable[] = [paperTable1, paperTable2, paperTable3];
