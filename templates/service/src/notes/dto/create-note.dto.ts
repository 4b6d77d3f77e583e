import { IsString, Length } from 'class-validator';

/** The body of `POST /v1/notes`. Any other field is refused with 400. */
export class CreateNoteDto {
  @IsString()
  @Length(1, 200)
  title!: string;

  @IsString()
  @Length(0, 10_000)
  body!: string;
}
