// grid-routing: locate reported cases in unit grids and dispatch filed cases to departments.
import CityGridPlatform
import GridRoutingService

await ServiceMain.run(GridRoutingService.descriptor)
