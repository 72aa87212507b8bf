import { IsBoolean, IsOptional } from 'class-validator';

/** Params every step that outputs a table accepts. */
export class TableStepParams {
  /**
   * Write the table to a Parquet file in the run's data directory
   * (`.portflow/data/<run id>/` next to the workflow) and pass on a table
   * reading that file: for a table several steps read, or an expensive one
   * worth computing once. Default false: tables stay lazy queries.
   */
  @IsOptional() @IsBoolean() materialize: boolean = false;
}
