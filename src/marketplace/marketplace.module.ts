import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BuiltinCatalog } from './builtin-catalog';
import { CatalogSearchService } from './catalog-search.service';
import { CatalogAppEntity } from './entities/catalog-app.entity';
import { MarketplaceRepositoryEntity } from './entities/marketplace-repository.entity';
import { MarketplaceController } from './marketplace.controller';
import { MarketplaceTools } from './marketplace.tools';
import { RepositoriesService } from './repositories.service';

/** Catalog repositories, git sync, format importers and search. */
@Module({
  imports: [TypeOrmModule.forFeature([MarketplaceRepositoryEntity, CatalogAppEntity])],
  controllers: [MarketplaceController],
  providers: [RepositoriesService, CatalogSearchService, MarketplaceTools, BuiltinCatalog],
  exports: [CatalogSearchService],
})
export class MarketplaceModule {}
