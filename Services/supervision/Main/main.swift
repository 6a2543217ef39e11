import CityGridPlatform
import SupervisionService

await ServiceMain.run(SupervisionService.descriptor)
