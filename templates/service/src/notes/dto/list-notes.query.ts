import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Min } from 'class-validator';

/**
 * The query of the list routes: keyset pagination. `limit` above 100 is capped at 100; `after`
 * is the `next` of the previous page; other fields give 400.
 */
export class ListNotesQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  limit?: number;

  @IsOptional()
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
    message: 'after must be the next cursor of a previous page',
  })
  after?: string;
}
