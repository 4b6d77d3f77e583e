import { IsOptional, IsString, Length } from 'class-validator';

/** The body of `PATCH /v1/notes/:id`. Any other field is refused with 400. */
export class UpdateNoteDto {
  @IsOptional()
  @IsString()
  @Length(1, 200)
  title?: string;

  @IsOptional()
  @IsString()
  @Length(0, 10_000)
  body?: string;
}
