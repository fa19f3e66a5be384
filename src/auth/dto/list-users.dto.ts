import { PaginationDto } from '../../common/dto/pagination.dto';

export class ListUsersDto extends PaginationDto {}
