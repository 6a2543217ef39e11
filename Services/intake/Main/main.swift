// The intake service process (product `intake`).
import CityGridPlatform
import IntakeService

await ServiceMain.run(IntakeService.descriptor)
