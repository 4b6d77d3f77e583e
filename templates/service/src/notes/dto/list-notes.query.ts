import { Type } from 'class-transformer';
import { IsInt, IsOptional, Min } from 'class-validator';

/** The query of the list routes. `limit` above 100 is capped at 100; other fields give 400. */
export class ListNotesQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  limit?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}
