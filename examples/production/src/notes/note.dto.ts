import { Expose } from 'class-transformer';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** `POST /v1/notes`: unknown fields (owner, id, role…) are refused with 400. */
export class CreateNoteDto {
  @IsString()
  @MaxLength(200)
  title!: string;

  @IsString()
  @MaxLength(5000)
  body!: string;
}

/** `PATCH /v1/notes/:id`. */
export class UpdateNoteDto {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;

  @IsOptional()
  @IsString()
  @MaxLength(5000)
  body?: string;
}

/** What a client sees of a note: the owner id stays on the server. */
export class NoteView {
  @Expose() id!: string;
  @Expose() title!: string;
  @Expose() body!: string;
}
